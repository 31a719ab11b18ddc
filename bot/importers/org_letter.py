"""A unit's ``letter:`` and ``report_email:`` in the org file: how it writes its letters and
where its signed reports go (``storage.letterheads``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from storage.letterheads import (
    MAX_LINE,
    MAX_PLACE,
    MAX_PURPOSE,
    MAX_RECIPIENTS,
    MAX_SIGN,
    MAX_SIGNER,
    LetterheadProblem,
    Recipient,
    check_email,
    check_sign,
    nfc,
)
from storage.models import Unit


def _sign(value: str) -> str:
    try:
        return check_sign(value)
    except LetterheadProblem:
        raise ValueError(
            "use letters, digits, '-' or '.', no spaces: the part after 'BC/' in 'Số 12-BC/ĐU'"
        ) from None


def _email(value: str) -> str:
    try:
        return check_email(value)
    except LetterheadProblem:
        raise ValueError("not an e-mail address like phongtt@example.org") from None


Email = Annotated[str, AfterValidator(_email)]
Sign = Annotated[str, Field(min_length=1, max_length=MAX_SIGN), AfterValidator(_sign)]
Line = Annotated[str, Field(max_length=MAX_LINE), AfterValidator(nfc)]
Required = Annotated[str, Field(min_length=1, max_length=MAX_LINE), AfterValidator(nfc)]


class RecipientSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    name: Required
    purpose: Annotated[str, Field(max_length=MAX_PURPOSE), AfterValidator(nfc)] = ""


def _named(value: object) -> object:
    """A recipient written as its name alone: ``- Như trên``."""
    return {"name": value} if isinstance(value, str | int) else value


class SignerSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    mode: Literal["T/M", "K/T"] | None = None
    body: Annotated[str, Field(min_length=1, max_length=MAX_SIGNER)] | None = None
    title: Annotated[str, Field(min_length=1, max_length=MAX_SIGNER)] | None = None
    name: Annotated[str, Field(max_length=MAX_SIGNER)] | None = None


class LetterSpec(BaseModel):
    """Every key optional: what is left out follows the unit's defaults."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    parent: Line | None = None
    issuer: Required | None = None
    sign: Sign | None = None
    place: Annotated[str, Field(min_length=1, max_length=MAX_PLACE)] | None = None
    recipients: (
        Annotated[
            list[Annotated[RecipientSpec, BeforeValidator(_named)]],
            Field(max_length=MAX_RECIPIENTS),
        ]
        | None
    ) = None
    archive: Line | None = None
    signer: SignerSpec | None = None

    def stored(self) -> dict[str, Any]:
        """The keys given, as ``Unit.letterhead`` keeps them (over the unit's defaults)."""
        data: dict[str, Any] = {
            key: nfc(value)
            for key in ("parent", "issuer", "sign", "place", "archive")
            if (value := getattr(self, key)) is not None
        }
        if self.recipients is not None:
            recipients = [Recipient(item.name, item.purpose) for item in self.recipients]
            data["recipients"] = [{"name": r.name, "purpose": r.purpose} for r in recipients]
        if self.signer is not None:
            data["signer"] = {
                key: nfc(value) for key, value in self.signer.model_dump(exclude_none=True).items()
            }
        return data


def apply_letter(
    unit: Unit, letter: LetterSpec | None, email: str | None, given: set[str]
) -> bool:
    """Sets what the file says of the unit's letter and e-mail; True if anything changed.

    A key the file leaves out keeps what is stored (set in chat or by an earlier import);
    ``letter: null`` and ``report_email: null`` go back to the defaults.
    """
    changed = False
    if "letter" in given:
        letterhead = (letter.stored() or None) if letter is not None else None
        if unit.letterhead != letterhead:
            unit.letterhead, changed = letterhead, True
    if "report_email" in given and unit.report_email != email:
        unit.report_email, changed = email, True
    return changed
