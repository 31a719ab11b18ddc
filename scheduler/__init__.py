"""What runs on time: the calendar of reporting periods and deadlines, the sweeps planned from it
(reminders, escalations, digests), the scheduler service that fires them, and the delivery of
the outbox (chat) and of the mail outbox (SMTP). The domain services the sweeps and the chat
share live in ``services``."""
