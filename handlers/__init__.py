"""What the bot does with a message: one module per topic, over a small chat port."""
