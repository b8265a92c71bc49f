from django.http import HttpResponse


def order_clone_page(request, account_id, number):
    return HttpResponse(status=501)


def order_clone_preview(request, account_id, number):
    return HttpResponse(status=501)


def clone_metrics(request, account_id):
    return HttpResponse(status=501)
