vim.opt.number = true
