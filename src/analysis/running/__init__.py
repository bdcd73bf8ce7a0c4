"""Running the month's reports: typed notebook parameters (``params``), the runner that fans
notebooks out and writes the manifest (``runner``), warm kernels (``kernels``) and the papermill
engine that uses them (``papermill_engine``)."""
