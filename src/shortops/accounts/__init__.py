"""Connected platform accounts."""
