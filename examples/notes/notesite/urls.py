from django.contrib import admin
from django.urls import path

from notes import views

urlpatterns = [
    path("", views.index, name="index"),
    path("release/", views.release, name="release"),
    path("admin/", admin.site.urls),
]
