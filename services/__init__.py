"""The campaign's domain services, shared by the chat, the desk, the CLI and the scheduler: which
report a secretary files (``reporting``), what an official oversees and how its messages are
queued (``oversight``, ``board``), consolidating the units' reports (``consolidated``,
``consolidated_themes``), signing a unit's own report (``signing``, ``signing_context``), the
one export path of ``/export``, the desk and ``gopy export`` (``report_export``), and answering
comments (``answers``). Time-driven work (sweeps, delivery) stays in ``scheduler``."""
