def course_navigation(request):
    """Filled in by the pages work: the course in view and the user's role in it."""
    return {}
