"""Registration, login and logout, and the user records behind them."""
