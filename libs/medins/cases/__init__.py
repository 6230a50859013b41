"""The case kit (办件): one lifecycle, clocks, documents, evaluation and audit for every service item."""
