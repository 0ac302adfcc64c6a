"""Write a small, valid PDF by hand: one Helvetica text line per entry, or a page that is only
an image-like filled rectangle (what a scan without OCR looks like to a text extractor)."""
from __future__ import annotations


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: list[list[str] | None], *, title: str | None = None) -> bytes:
    """``pages``: lines of text per page, or None for a page without a text layer."""
    objects: list[bytes] = []
    n_pages = len(pages)
    first_page = 4
    page_ids = [first_page + 2 * i for i in range(n_pages)]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(b"<< /Type /Pages /Kids [" + b" ".join(f"{p} 0 R".encode() for p in page_ids)
                   + f"] /Count {n_pages} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, lines in enumerate(pages):
        content_id = page_ids[i] + 1
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content_id} 0 R >>".encode())
        if lines is None:
            stream = b"0.6 g 72 72 468 648 re f"
        else:
            ops = ["BT", "/F1 11 Tf", "16 TL", "72 740 Td"]
            for line in lines:
                ops.append(f"({_escape(line)}) Tj T*")
            ops.append("ET")
            stream = "\n".join(ops).encode("latin-1")
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    info_ref = b""
    if title:
        objects.append(f"<< /Title ({_escape(title)}) /Producer (crmbot tests) >>".encode("latin-1"))
        info_ref = f" /Info {len(objects)} 0 R".encode()
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R".encode() + info_ref
            + f" >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return bytes(out)


HILLSIDE_PAGES: list[list[str] | None] = [
    ["Hillside Mews",
     "Location",
     "Hillside Mews is on Orchard Lane, two minutes on foot from Hillside station.",
     "Amenities",
     "Residents have a private gym, a cinema room and a landscaped roof garden.",
     "Every mews house has its own garage with an electric vehicle charger."],
    None,
    ["Payment Plan",
     "Buyers pay a reservation fee of GBP 2,000, then 10% on exchange",
     "of contracts and 90% on completion.",
     "Handover of the mews houses is planned for May 2027."],
]
