"""Input and output channels, one module per messaging provider (WhatsApp through Twilio)."""
