"""The single sign-on settings read at start-up: is it on, and the role map (HANDOFF_OIDC_ROLE_MAP)."""

from ..auth.models import ROLES

# When the claim names several mapped roles, the one with the most rights wins: the provider said so.
ROLE_PRECEDENCE = ("admin", "physician", "nurse")


class SsoSettingsError(ValueError):
    pass


def enabled(config) -> bool:
    return bool(config.get("HANDOFF_OIDC_ISSUER"))


def parse_role_map(setting: str) -> dict[str, str]:
    """`nurse=RN,physician=MD,admin=HandoffAdmin` → {"RN": "nurse", "MD": "physician", "HandoffAdmin": "admin"}.

    A role may be named more than once (`nurse=RN,nurse=LPN`); a provider value may map to one role only.
    """
    mapping: dict[str, str] = {}
    for entry in (part.strip() for part in setting.split(",")):
        if not entry:
            continue
        role, sep, value = (piece.strip() for piece in entry.partition("="))
        if not sep or not value:
            raise SsoSettingsError(f"HANDOFF_OIDC_ROLE_MAP entry {entry!r} is not ROLE=VALUE "
                                   "(e.g. nurse=RN,physician=MD,admin=HandoffAdmin).")
        if role not in ROLES:
            raise SsoSettingsError(f"HANDOFF_OIDC_ROLE_MAP entry {entry!r}: {role!r} is not a Handoff role "
                                   f"({', '.join(ROLES)}).")
        if mapping.get(value, role) != role:
            raise SsoSettingsError(f"HANDOFF_OIDC_ROLE_MAP maps {value!r} to both {mapping[value]} and {role}.")
        mapping[value] = role
    if not mapping:
        raise SsoSettingsError("HANDOFF_OIDC_ROLE_MAP is empty: map the provider's values to Handoff roles, "
                               "e.g. nurse=RN,physician=MD,admin=HandoffAdmin (nobody could sign in otherwise).")
    return mapping
