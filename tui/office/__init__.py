"""The office's own screens (``huzhu`` opened on an office database): the branch board, one
branch, and the office's 待办. Data from ``sync.office_board``; reads in thread workers."""
