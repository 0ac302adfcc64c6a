"""What the bot can do, independent of the channel it is asked through."""
