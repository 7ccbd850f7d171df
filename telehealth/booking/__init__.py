"""Online booking: free slots, appointments, cancellation, rescheduling, reminders."""
