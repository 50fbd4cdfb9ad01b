echo "carol: starting"
kill -SEGV $$
