"""The incidents' web pages; each module holds one part (docs/incidents-web.md)."""
