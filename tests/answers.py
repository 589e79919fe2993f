"""The stored answers read back as tests compare them: one row per answer with its question as
asked (name, scale, wording), whatever the storage keys them by."""
from __future__ import annotations

from sqlalchemy import func, select

from cxdash.db.models import SurveyAnswer, SurveyQuestion


def answers():
    """A subquery: response_id, cell_id, question, scale, value, question_text (None where the
    source gave no wording)."""
    a, q = SurveyAnswer, SurveyQuestion
    return (select(a.response_id, a.cell_id, q.question, q.scale, a.value,
                   func.nullif(q.wording, "").label("question_text"))
            .join(q, q.id == a.question_id).subquery("answers"))
