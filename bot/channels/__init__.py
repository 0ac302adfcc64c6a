"""Channel adapters: each turns its own payloads into Messages and renders Replies its own way."""
