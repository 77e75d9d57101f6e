"""The top floor: the command line, the batch runner, report building, teaching tools and the
interactive controls. Nothing below imports it."""
