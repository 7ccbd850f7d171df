"""Clinical documents: consultation minutes, encounter summaries, signing, PDF and write-back."""
