"""The core-banking feed (贷款核心系统日终文件): reading, checking and applying batches."""
