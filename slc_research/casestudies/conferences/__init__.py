"""The student-led conferences case study: the reflection culture of a class over the year."""
