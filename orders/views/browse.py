from django.http import HttpResponse


def order_list(request, account_id):  # placeholder until the order list lands
    return HttpResponse(status=501)


def order_detail(request, account_id, number):  # placeholder until the order detail lands
    return HttpResponse(status=501)
