"""The conversation flows that run over any chat channel (Telegram first, WhatsApp too)."""
