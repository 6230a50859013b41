"""Registration service: employers and insured persons, enrolment, contribution periods, personal accounts."""
