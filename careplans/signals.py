"""What the careplans app announces to the apps above it, which it cannot import.

`emergency_access_granted`: someone broke the glass (careplans.emergency.break_glass), sent
inside the action's transaction; the notifications app tells the Compliance role.
"""

from django.dispatch import Signal

emergency_access_granted = Signal()  # sender: EmergencyAccess; access: the EmergencyAccess row
