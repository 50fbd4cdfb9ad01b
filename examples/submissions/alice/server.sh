exec nc -ll -p 7 -e /bin/cat
