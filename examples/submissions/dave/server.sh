# SPDX-License-Identifier: GPL-2.0-or-later
while :; do :; done
