"""Jobs the worker runs on a fixed interval: dotted path of the job function → seconds."""

PERIODIC_JOBS: dict[str, int] = {
    "jobs.notifications.relay": 2,
    "jobs.requests.sweep_expired_offers": 30,
    "jobs.requests.alert_overdue_requests": 60,
    "jobs.checkins.close_forgotten_checkins": 300,
    "jobs.maintenance.purge_expired": 3600,
    "jobs.privacy.coarsen_old_checkins": 3600,
    "jobs.privacy.purge_notifications": 3600,
    "jobs.coordination.send_reminders": 600,
    "jobs.care.alert_overdue_visits": 3600,
    "jobs.activities.remind_upcoming_activities": 60,
    "jobs.evaluation.remind_evaluation_meetings": 600,
}
