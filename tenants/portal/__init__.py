"""The virtual Career Center (student portal): profiles, visits, individual sessions,
registrations to workshops and events, questionnaires (T04), certificates (T05)."""
