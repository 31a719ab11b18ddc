"""Time: the calendar of reporting periods and deadlines, and (later) sweeps and outbox delivery."""
