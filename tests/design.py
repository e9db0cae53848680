"""Facts copied from DESIGN.md section 3, for tests to check the code against (not read from the code)."""

# 3.4: the `checklist` group of the discharge checklist.
DISCHARGE_CHECKLIST_ITEMS = (
    "med_reconciliation",
    "prescriptions_ready",
    "follow_up_booked",
    "pending_results_owned",
    "teach_back_done",
    "summary_sent_to_receiver",
    "equipment_arranged",
    "transport_arranged",
)
