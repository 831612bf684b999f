from django.contrib import admin
from django.urls import path

from notes import views

urlpatterns = [
    path("", views.index, name="index"),
    path("release/", views.release, name="release"),
    path("notes/", views.add_note, name="add-note"),
    path("notes/<int:pk>/attachment/", views.note_attachment, name="note-attachment"),
    path("tasks/", views.queue_task, name="queue-task"),
    path("tasks/<str:task_id>/", views.task_result, name="task-result"),
    path("admin/", admin.site.urls),
]
