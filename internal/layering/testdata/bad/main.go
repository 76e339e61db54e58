package main

import "bad/app"

func main() { app.Main() }
