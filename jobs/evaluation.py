"""The day-before reminder of a round's reporting meeting (述职大会)."""
from extensions import db
from services import evaluation


def remind_evaluation_meetings() -> int:
    reminded = evaluation.remind_meetings()
    db.session.commit()
    return reminded
