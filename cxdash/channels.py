"""Touchpoints (GSA) channel vocabulary, the common exchange format for A-11 channels."""

TOUCHPOINTS_CHANNELS = (
    "computer", "mobile", "email", "chatbot", "phone", "automated_phone", "in_person", "paper",
    "postal_mail", "fax", "self_service_kiosk", "other_non_digital", "website", "mobile_app",
    "live_chat", "sms_text_messages", "social_media", "other_digital",
)
# Touchpoints' quarterly collections also report "mixed" (several channels in one figure),
# and some rows carry no channel at all.
MIXED = "mixed"
NOT_REPORTED = "not_reported"
CHANNELS = TOUCHPOINTS_CHANNELS + (MIXED, NOT_REPORTED)
# What a mapping may give a row: a Touchpoints channel, or not_reported where the export does not
# say (UNKNOWN, a blank cell); not_reported is counted apart from digital and non-digital.
MAPPED_CHANNELS = TOUCHPOINTS_CHANNELS + (NOT_REPORTED,)
ALL = "all"

LABELS = {
    "computer": "Computer", "mobile": "Mobile", "email": "Email", "chatbot": "Chatbot",
    "phone": "Phone", "automated_phone": "Automated phone", "in_person": "In person",
    "paper": "Paper", "postal_mail": "Postal mail", "fax": "Fax",
    "self_service_kiosk": "Self-service kiosk", "other_non_digital": "Other non-digital",
    "website": "Website", "mobile_app": "Mobile app", "live_chat": "Live chat",
    "sms_text_messages": "SMS text messages", "social_media": "Social media",
    "other_digital": "Other digital", MIXED: "Mixed channels", NOT_REPORTED: "Channel not reported",
    ALL: "All channels",
}


def label(channel: str) -> str:
    return LABELS.get(channel, channel.replace("_", " ").capitalize())


def normalise_channel(value: str | None, allowed=TOUCHPOINTS_CHANNELS) -> str | None:
    """'Automated phone' / 'automated-phone' -> 'automated_phone'; None when not allowed."""
    channel = (value or "").strip().lower().replace(" ", "_").replace("-", "_")
    return channel if channel in allowed else None
