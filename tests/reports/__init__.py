"""Reports: weekly and monthly HTML and PDF, schedules and delivery."""
