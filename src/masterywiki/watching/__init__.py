"""Who watches what: watch matching, the watchlist and batched email notices."""
