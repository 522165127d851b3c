"""Demo and seed data: the commands behind `make demo` and the synthetic registry for trials. Kept out
of the production apps and refused unless settings.DEBUG or settings.DAJIUZHU_DEMO is set, because they
create users with published passwords (see dajiuzhu.demo.guard)."""
