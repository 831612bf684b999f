from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from photos import views

urlpatterns = [
    path("", views.home, name="home"),
    path("upload/", views.upload, name="upload"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("admin/", admin.site.urls),
]
