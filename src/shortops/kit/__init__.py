"""Domain-free helpers: clock, crypto, ids, money, pagination."""
