"""Draining the outbox: claim a batch, render and send each message, record outcomes in batches.

Any number of drainers (worker processes, threads, machines) may run at once; the claims in
``outbox.py`` keep them on disjoint rows. One drainer keeps one SMTP connection for all its
messages, writes each acceptance to its journal at once, and commits outcomes every
``flush_every`` messages or ``flush_seconds``, whichever comes first. Every flush also re-reads
the campaign, so a pause or cancel takes effect within about a second: the claimed rows not yet
tried are given back, untouched.

After ``max_consecutive_failures`` failed attempts in a row the campaign pauses itself (listmonk
and Mautic do the same): a broken relay or a broken template then costs a few messages, not the
whole audience.

Claiming and rendering run a few messages ahead (``compose_ahead``) in the time the SMTP server
takes to answer each command, on the same thread: a helper thread would wait for the
interpreter lock while the server's reply sits unread. A campaign's ``rate_per_second`` is kept
by each drainer: with several workers sending one campaign, its overall rate can reach that many
times the setting.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crm.audit import set_audited
from crm.models import Agent, Campaign, Lead
from crm.types import utcnow
from handlers.campaigns import journal as journals
from handlers.campaigns import outbox
from handlers.campaigns.compose import CampaignInfo, Composed, Composer
from handlers.campaigns.outbox import Claim, Failure, RetryPolicy
from handlers.campaigns.outbox import agent_fields as agent_dict
from handlers.campaigns.render import TemplateRefused
from handlers.campaigns.transport import SendError, Transport

log = logging.getLogger("crmbot.campaigns")


@dataclass(frozen=True)
class SendPolicy:
    claim_batch: int = 500
    flush_every: int = 500
    flush_seconds: float = 1.0
    # A claim not refreshed for this long, by a worker not known to be alive, is released.
    stale_after_s: float = 900.0
    recover_every_s: float = 30.0
    # A rate-limited campaign claims no more than this many seconds of sending at once.
    claim_seconds: float = 10.0
    # Messages composed ahead of the one being sent (0: claim and compose in line).
    compose_ahead: int = 8
    # Batches of one campaign in a row before the next due campaign gets its turn.
    batches_per_turn: int = 4
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass
class DrainReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    recovered: int = 0
    paused: list[int] = field(default_factory=list)
    settled: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Batch:
    """Outcomes since the last flush, in the order they happened."""

    sent: list[int] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    bounced: list[int] = field(default_factory=list)  # lead ids whose address does not exist
    trailing_failures: int = 0
    any_success: bool = False
    outcomes: int = 0

    def __len__(self) -> int:
        return self.outcomes

    def success(self, outbox_id: int) -> None:
        self.sent.append(outbox_id)
        self.trailing_failures = 0
        self.any_success = True
        self.outcomes += 1

    def failure(self, failure: Failure, *, lead_id: int | None = None, bounce: bool = False) -> None:
        self.failures.append(failure)
        self.trailing_failures += 1
        self.outcomes += 1
        if bounce and lead_id is not None:
            self.bounced.append(lead_id)


class Drainer:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        transport: Transport,
        composer: Composer,
        journal_dir: Path,
        policy: SendPolicy = SendPolicy(),
        clock: Callable[[], datetime] = utcnow,
        stop: threading.Event | None = None,
        worker_id: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.transport = transport
        self.composer = composer
        self.policy = policy
        self.clock = clock
        self.stop = stop or threading.Event()
        self.worker_id = worker_id or journals.make_worker_id()
        self.journal_dir = Path(journal_dir)
        self.journal = journals.AcceptJournal(self.journal_dir, self.worker_id)
        self._batches: dict[int, _Batch] = {}
        self._budget: int | None = None
        self._holding = False
        self._last_recovery = -math.inf
        self._lock = threading.Lock()

    # -- the loop ------------------------------------------------------------------------------

    def drain(self, *, campaign_ids: Iterable[int] | None = None, limit: int | None = None) -> DrainReport:
        """Send everything due now (or at most ``limit`` messages), then return. Safe to call
        from several threads: a call made while another is running returns at once (the
        running one will see the new work)."""
        if not self._lock.acquire(blocking=False):
            return DrainReport()
        try:
            return self._drain(set(campaign_ids) if campaign_ids is not None else None, limit)
        finally:
            self._lock.release()

    def _drain(self, only: set[int] | None, limit: int | None) -> DrainReport:
        report = DrainReport()
        self._flush_leftovers(report)
        self.recover(report, force=False)
        self._budget = limit
        while not self.stop.is_set() and (self._budget is None or self._budget > 0):
            with self.sessions() as session:
                due = [c for c in outbox.due_campaigns(session, now=self.clock()) if only is None or c in only]
            if not due:
                break
            progressed = 0
            for cid in due:
                if self.stop.is_set():
                    break
                progressed += self._drain_campaign(cid, report)
            if not progressed:
                break
        with self.sessions.begin() as session:
            report.settled = outbox.settle(session, now=self.clock())
        for cid, state in report.settled:
            log.info("campaign settled", extra={"campaign": cid, "state": state})
        return report

    def _drain_campaign(self, campaign_id: int, report: DrainReport) -> int:
        """One turn on one campaign: up to ``batches_per_turn`` batches, then the next campaign."""
        info = self._campaign_info(campaign_id, report)
        if info is None or info.state != "running":
            return 0
        batch_size = self.policy.claim_batch
        if info.rate_per_second:
            batch_size = max(1, min(batch_size, int(info.rate_per_second * self.policy.claim_seconds)))
        turn = batch_size * self.policy.batches_per_turn
        if self._budget is not None:
            turn = min(turn, self._budget)
        if turn <= 0:
            return 0
        self._holding = True  # until this turn ends normally, claims may be left behind
        batch = self._batches.setdefault(campaign_id, _Batch())
        last_flush = time.monotonic()
        interval = 1.0 / info.rate_per_second if info.rate_per_second else 0.0
        next_at = time.monotonic()
        sent = 0
        pipeline = _Pipeline(claim=lambda n: self._claim(campaign_id, n), compose=self._compose, info=info,
                             batch_size=batch_size, total=turn, depth=self.policy.compose_ahead)
        # A transport that can run other work while the server answers (SmtpTransport) does
        # the pipeline's next steps then; otherwise they run in line.
        while_waiting = getattr(self.transport, "while_waiting", None)
        overlap = while_waiting(pipeline.ahead) if while_waiting is not None and pipeline.depth else nullcontext()
        with overlap:
            for claim, outcome in pipeline:
                if self.stop.is_set():
                    break
                if interval:
                    delay = next_at - time.monotonic()
                    if delay > 0 and self.stop.wait(delay):
                        break
                    next_at = max(next_at, time.monotonic() - interval) + interval
                self._send_one(claim, outcome, batch)
                sent += 1
                if len(batch) >= self.policy.flush_every or time.monotonic() - last_flush >= self.policy.flush_seconds:
                    state = self._flush(campaign_id, report)
                    batch = self._batches.setdefault(campaign_id, _Batch())
                    last_flush = time.monotonic()
                    if state != "running":
                        break
        # Outcomes first, then whatever is still claimed but unsent (a pause, a stop, rows
        # claimed or composed ahead) goes back untouched.
        state = self._flush(campaign_id, report)
        self._give_back_all()
        if state == "cancelled":
            with self.sessions.begin() as session:
                outbox.skip_open(session, campaign_id=campaign_id, reason="campaign cancelled")
        self._holding = False
        if self._budget is not None:
            self._budget -= sent
        return sent

    def _claim(self, campaign_id: int, limit: int) -> list[Claim]:
        with self.sessions.begin() as session:
            return outbox.claim(session, worker=self.worker_id, campaign_id=campaign_id, limit=limit,
                                now=self.clock())

    def _compose(self, info: CampaignInfo, claim: Claim) -> Composed | Failure:
        try:
            return self.composer.compose(info, lead=claim.lead, agent=claim.owner, lead_token=claim.lead_token,
                                         to_address=claim.to_address, message_id=claim.message_id)
        except TemplateRefused as exc:
            return Failure(claim.id, permanent=True, reason=f"template: {exc}", attempts=claim.attempts)
        except ValueError:
            return Failure(claim.id, permanent=True, reason="invalid address", attempts=claim.attempts)
        except Exception:  # a bug must not stop the other leads; the failure streak pauses the campaign
            log.exception("composing failed", extra={"outbox": claim.id})
            return Failure(claim.id, permanent=False, reason="internal error while composing", attempts=claim.attempts)

    def _send_one(self, claim: Claim, outcome: Composed | Failure, batch: _Batch) -> None:
        if isinstance(outcome, Failure):
            batch.failure(outcome)
            return
        email = outcome.email
        try:
            self.transport.send(email.raw, mail_from=email.mail_from, rcpt=email.rcpt)
        except SendError as exc:
            batch.failure(Failure(claim.id, permanent=exc.permanent, reason=exc.summary(), attempts=claim.attempts),
                          lead_id=claim.lead_id, bounce=_is_bad_mailbox(exc))
            return
        # Accepted: write it down before anything else can go wrong.
        batch.success(claim.id)
        self.journal.record(claim.id)

    # -- bookkeeping -----------------------------------------------------------------------------

    def _flush(self, campaign_id: int, report: DrainReport) -> str:
        batch = self._batches.pop(campaign_id, None)
        if batch is None or (not len(batch) and not batch.bounced):
            with self.sessions() as session:
                return session.scalar(select(Campaign.state).where(Campaign.id == campaign_id)) or "cancelled"
        now = self.clock()
        try:
            with self.sessions.begin() as session:
                result = outbox.record(
                    session, worker=self.worker_id, campaign_id=campaign_id, sent=batch.sent,
                    failures=batch.failures, trailing_failures=batch.trailing_failures,
                    any_success=batch.any_success, retry=self.policy.retry, now=now,
                )
                if batch.bounced:
                    for lead in session.scalars(select(Lead).where(Lead.id.in_(batch.bounced))):
                        set_audited(session, lead, {"email_bouncing": True}, actor=None, channel="email")
                outbox.heartbeat(session, worker=self.worker_id, now=now)
        except Exception:
            # Keep the outcomes (and the journal) for the next attempt; the claims stay ours.
            self._batches[campaign_id] = batch
            raise
        if not any(b.sent for b in self._batches.values()):
            self.journal.clear()
        report.sent += len(batch.sent)
        report.retried += result.retried
        report.failed += result.failed
        if result.paused_now:
            report.paused.append(campaign_id)
            log.warning("campaign paused after consecutive failures",
                        extra={"campaign": campaign_id, "failures": result.consecutive_failures})
        return result.campaign_state

    def _flush_leftovers(self, report: DrainReport, *, always: bool = False) -> None:
        """After a failed run: write outcomes still held, then give back claims never tried."""
        if not (always or self._holding or self._batches):
            return
        for campaign_id in list(self._batches):
            self._flush(campaign_id, report)
        with self.sessions.begin() as session:
            outbox.release(session, worker=self.worker_id, now=self.clock())
        self.journal.clear()
        self._holding = False

    def _give_back_all(self) -> None:
        with self.sessions.begin() as session:
            outbox.release(session, worker=self.worker_id, now=self.clock())

    def recover(self, report: DrainReport | None = None, *, force: bool = True) -> int:
        """Settle claims of dead workers: from their journals on this machine, else by age."""
        if not force and time.monotonic() - self._last_recovery < self.policy.recover_every_s:
            return 0
        self._last_recovery = time.monotonic()
        now = self.clock()
        recovered = 0
        for orphan in journals.orphans(self.journal_dir, own=self.journal.path):
            try:
                with self.sessions.begin() as session:
                    marked, released = outbox.recover_dead(session, worker=orphan.worker_id,
                                                           accepted=orphan.accepted, now=now)
            except Exception:
                orphan.abandon()
                raise
            orphan.done()
            recovered += marked + released
            if marked or released:
                log.info("recovered a stopped worker's claims",
                         extra={"worker": orphan.worker_id, "sent": marked, "released": released})
        keep = journals.live_workers(self.journal_dir) | {self.worker_id}
        with self.sessions.begin() as session:
            stale = outbox.reclaim_stale(session, older_than=now - timedelta(seconds=self.policy.stale_after_s),
                                         keep=keep, now=now)
        if stale:
            log.warning("released expired claims", extra={"rows": stale})
        recovered += stale
        if report is not None:
            report.recovered += recovered
        return recovered

    def _campaign_info(self, campaign_id: int, report: DrainReport) -> CampaignInfo | None:
        with self.sessions() as session:
            campaign = session.get(Campaign, campaign_id)
            if campaign is None:
                return None
            creator = session.get(Agent, campaign.created_by_id) if campaign.created_by_id else None
            try:
                return self.composer.info(campaign, creator=agent_dict(creator) if creator else None)
            except TemplateRefused as exc:
                # The template itself is broken: pause rather than fail every lead.
                log.warning("campaign template refused", extra={"campaign": campaign_id, "reason": str(exc)})
            except Exception:
                log.exception("campaign template unavailable", extra={"campaign": campaign_id})
        with self.sessions.begin() as session:
            campaign = session.get(Campaign, campaign_id)
            if campaign is not None and campaign.state == "running":
                campaign.state, campaign.pause_reason = "paused", "template"
                report.paused.append(campaign_id)
        return None

    def close(self) -> None:
        """Wait for a running drain (set ``stop`` first to cut it short), write what is held,
        give back unsent claims, and close the connection and the journal."""
        with self._lock:
            try:
                self._flush_leftovers(DrainReport(), always=True)
            finally:
                self.transport.close()
                self.journal.close()


class _Pipeline:
    """The next messages of a turn: claimed in batches, composed one at a time, in order.

    Sending is mostly waiting for the server; claiming and rendering are database work and CPU.
    The transport calls ``ahead`` while it waits for a reply, and each call does one step (compose
    one message, or claim the next batch once the last one is composed) until ``depth`` messages
    are ready, so the cost per message comes close to the SMTP round trips alone. Iterating
    takes the ready messages and does in line whatever was not done ahead. With ``depth`` 0
    nothing is done ahead.
    """

    def __init__(self, *, claim: Callable[[int], list[Claim]], compose: Callable[[CampaignInfo, Claim], Composed | Failure],
                 info: CampaignInfo, batch_size: int, total: int, depth: int) -> None:
        self._claim, self._compose, self._info = claim, compose, info
        self._batch_size, self._remaining, self.depth = batch_size, total, max(0, depth)
        self._claimed: deque[Claim] = deque()
        self._ready: deque[tuple[Claim, Composed | Failure]] = deque()
        self._exhausted = False
        self._error: BaseException | None = None
        self._busy = False

    def _step(self) -> bool:
        """Compose the next claimed message, or claim the next batch; False when there is nothing left."""
        if self._claimed:
            claim = self._claimed.popleft()
            self._ready.append((claim, self._compose(self._info, claim)))
            return True
        if self._exhausted or self._remaining <= 0:
            return False
        claims = self._claim(min(self._batch_size, self._remaining))
        if not claims:
            self._exhausted = True
            return False
        self._remaining -= len(claims)
        self._claimed.extend(claims)
        return True

    def ahead(self) -> None:
        """One step ahead, if fewer than ``depth`` messages are ready. Never raises: an error is
        kept and raised to the loop taking the messages, after the current send is complete."""
        if self._busy or self._error is not None or len(self._ready) >= self.depth:
            return
        self._busy = True
        try:
            self._step()
        except BaseException as exc:  # noqa: BLE001 - handed over to __iter__
            self._error = exc
        finally:
            self._busy = False

    def __iter__(self) -> Iterator[tuple[Claim, Composed | Failure]]:
        while True:
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            if self._ready:
                yield self._ready.popleft()
            elif not self._step():
                return


def _is_bad_mailbox(exc: SendError) -> bool:
    """A 5.1.x enhanced status (RFC 3463: bad destination mailbox or address) is a hard bounce."""
    return exc.permanent and any(token.startswith("5.1.") for token in exc.reason.split()[:2])


__all__ = ["Drainer", "SendPolicy", "DrainReport"]
