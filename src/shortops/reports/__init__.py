"""Weekly and monthly reports: HTML and PDF, made on demand or on schedule and delivered."""
