from django.db import models


class Photo(models.Model):
    """A picture: loaded from the fixtures once, or uploaded while serving."""

    title = models.CharField(max_length=200)
    # Dated folders: the app creates a new one, at run time, every day.
    image = models.FileField(upload_to="uploads/%Y/%m/%d/")
    source = models.CharField(max_length=20, default="upload")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.title
