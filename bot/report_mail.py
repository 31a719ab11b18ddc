"""The words of the e-mail that carries a signed report to the office above.

Call inside a language (``with i18n.context(), i18n.use_locale("vi")``), as for the letter
(``bot.report_files``): it is written in the campaign's language, not in the chat language of
whoever signed. Short and formal, like a cover note in an office; it never names the software.
"""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _


def report_mail(
    *, unit_name: str, subject_line: str, receipt: str, signed_at_text: str, signer: str
) -> tuple[str, str]:
    """The subject and the plain-text body of the e-mail.

    ``subject_line`` names the report ("Báo cáo tuần 3 (06/11 – 12/11)"), ``signed_at_text``
    is a local time as ``handlers.format.moment`` writes it, ``receipt`` the report's receipt.
    """
    subject = _("{report} – {unit}").format(report=subject_line.strip(), unit=unit_name.strip())
    paragraphs = [
        _("Dear colleagues,"),
        _(
            "{unit} respectfully sends you the attached {report}, signed by {signer} at {time}."
        ).format(
            unit=unit_name.strip(),
            report=subject_line.strip(),
            signer=signer.strip(),
            time=signed_at_text,
        ),
        _("Receipt: {receipt}.").format(receipt=receipt),
        _("Yours faithfully,") + "\n" + unit_name.strip(),
    ]
    # One line only: a subject with a line break would end the header early.
    return " ".join(subject.split()), "\n\n".join(paragraphs) + "\n"
