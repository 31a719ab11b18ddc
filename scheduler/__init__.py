"""Time: the calendar of reporting periods and deadlines; later, sweeps and outbox delivery."""
