module cleanlocale

go 1.26
