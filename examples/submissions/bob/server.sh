# SPDX-License-Identifier: GPL-2.0-or-later
exec nc -ll -p 7 -e /bin/sh -c 'tr a-z A-Z'
