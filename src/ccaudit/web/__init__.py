"""The browser workspace on the annual audit's service layer (`ccaudit serve`); see web/README.md."""
