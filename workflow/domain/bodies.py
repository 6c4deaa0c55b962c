"""The registry of inspectorates and partner bodies that take part in joint inspections.

Names in source documents vary (HMIC for HMICFRS; the 2021–23 plan misspells HMCPSI as
HMCPIS and HMCPSP), so every lookup goes through :meth:`BodyRegistry.resolve`, which
accepts a code, the full name or any recorded alias, ignoring case, spacing and punctuation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from workflow.domain.errors import UnknownBody


class BodyKind(StrEnum):
    CJ_INSPECTORATE = "cj_inspectorate"
    PARTNER = "partner"


@dataclass(frozen=True, slots=True)
class Body:
    code: str
    name: str
    kind: BodyKind
    chief_inspector: str
    aliases: tuple[str, ...] = ()
    nations: tuple[str, ...] = ("england", "wales")


def _normalise(name: str) -> str:
    # "HMI  Prisons", "hmi-prisons", "H.M.I. Prisons" and "HMI Prisons" must all find the
    # same body: spacing and punctuation do not matter, only letters and digits.
    return re.sub(r"[\W_]+", "", name).casefold()


@dataclass(frozen=True)
class BodyRegistry:
    bodies: tuple[Body, ...]
    _index: Mapping[str, Body] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, Body] = {}
        for body in self.bodies:
            for name in (body.code, body.name, *body.aliases):
                key = _normalise(name)
                if key in index and index[key] is not body:
                    raise ValueError(
                        f"name {name!r} is claimed by {index[key].code} and {body.code}"
                    )
                index[key] = body
        object.__setattr__(self, "_index", index)

    def resolve(self, name: str) -> Body:
        """The body a code, full name or alias refers to; :class:`UnknownBody` otherwise."""
        body = self._index.get(_normalise(name))
        if body is None:
            raise UnknownBody(name, sorted(b.code for b in self.bodies))
        return body

    def code_of(self, name: str) -> str:
        return self.resolve(name).code

    def codes(self, names: Iterable[str]) -> tuple[str, ...]:
        return tuple(self.code_of(n) for n in names)

    def __iter__(self) -> Iterator[Body]:
        return iter(self.bodies)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _normalise(name) in self._index


CJ, PARTNER = BodyKind.CJ_INSPECTORATE, BodyKind.PARTNER

#: The nine bodies of DOMAIN.md. HM Inspectorate of Court Administration closed in 2010.
DEFAULT_BODIES = BodyRegistry(
    (
        Body(
            "HMICFRS",
            "HM Inspectorate of Constabulary and Fire & Rescue Services",
            CJ,
            "HM Chief Inspector of Constabulary",
            (
                "HMIC",
                "Her Majesty's Inspectorate of Constabulary and Fire & Rescue Services",
                "HM Inspectorate of Constabulary",
            ),
        ),
        Body(
            "HMCPSI",
            "HM Crown Prosecution Service Inspectorate",
            CJ,
            "HM Chief Inspector of the Crown Prosecution Service",
            (
                "HMCPIS",
                "HMCPSP",
                "HM CPS Inspectorate",
                "Her Majesty's Crown Prosecution Service Inspectorate",
            ),
        ),
        Body(
            "HMIPRISONS",
            "HM Inspectorate of Prisons",
            CJ,
            "HM Chief Inspector of Prisons",
            ("HMI Prisons", "HMIP Prisons", "Her Majesty's Inspectorate of Prisons"),
        ),
        Body(
            "HMIPROBATION",
            "HM Inspectorate of Probation",
            CJ,
            "HM Chief Inspector of Probation",
            ("HMI Probation", "HMIP Probation", "Her Majesty's Inspectorate of Probation"),
        ),
        Body("CQC", "Care Quality Commission", PARTNER, "Chief Inspector (CQC)", (), ("england",)),
        Body(
            "OFSTED",
            "Office for Standards in Education, Children's Services and Skills",
            PARTNER,
            "His Majesty's Chief Inspector (Ofsted)",
            (),
            ("england",),
        ),
        Body(
            "HIW",
            "Healthcare Inspectorate Wales",
            PARTNER,
            "Chief Executive (HIW)",
            ("Health Inspectorate for Wales", "Health Inspectorate Wales"),
            ("wales",),
        ),
        Body("CIW", "Care Inspectorate Wales", PARTNER, "Chief Inspector (CIW)", (), ("wales",)),
        Body(
            "ESTYN",
            "Estyn, His Majesty's Inspectorate for Education and Training in Wales",
            PARTNER,
            "His Majesty's Chief Inspector (Estyn)",
            (),
            ("wales",),
        ),
    )
)


def nation_problems(registry: BodyRegistry, codes: Iterable[str], jurisdiction: str) -> list[str]:
    """Bodies that cannot take part in work of ``jurisdiction`` (a nation or both).

    A partner body inspects in its own nation only: CQC and Ofsted in England; HIW, CIW
    and Estyn in Wales. Work of England and Wales may have partners of either.
    """
    if jurisdiction not in ("england", "wales"):
        return []
    out = []
    for code in codes:
        body = registry.resolve(code)
        if jurisdiction not in body.nations:
            out.append(
                f"{body.code} inspects in {' and '.join(n.title() for n in body.nations)} only"
            )
    return out
