"""Hash banks: the database side of image matching (the engine is ``vigil.media``)."""
