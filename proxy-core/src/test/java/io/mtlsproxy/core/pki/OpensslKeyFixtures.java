package io.mtlsproxy.core.pki;

import java.util.Map;

/**
 * Throwaway keys exactly as OpenSSL 3.0 writes them, to prove PemFiles reads what operators make
 * (`openssl ecparam -genkey`, `openssl pkcs8 -topk8 [-v2 aes-256-cbc | -scrypt | -v1 PBE-SHA1-3DES]`,
 * `openssl ec -aes256`, `openssl ec -no_public`, `openssl genrsa -traditional`, `openssl rsa -aes256`).
 * The encrypted ones use {@link #PASSPHRASE}. Never used for anything but these tests.
 */
final class OpensslKeyFixtures {
    static final String PASSPHRASE = "fixture-passphrase";

    private OpensslKeyFixtures() {}

    /** File name (as the test writes it) to the PEM text. */
    static final Map<String, String> KEYS = Map.ofEntries(
            Map.entry("ec-pkcs8.pem", """
            -----BEGIN PRIVATE KEY-----
            MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg1dBZgibPASq8DM1u
            at8etJdvov5UQ1XSsctls6PQNMuhRANCAAQkBsZVkuugIvf9KjA/GP10aW7zIDf2
            IIMwLtaABKhV+L8F//ZNNYvDJem3QjGyvFzoSzjYxNqUex6MeXuAq3Ml
            -----END PRIVATE KEY-----
            """),
            Map.entry("ec-sec1.pem", """
            -----BEGIN EC PRIVATE KEY-----
            MHcCAQEEINXQWYImzwEqvAzNbmrfHrSXb6L+VENV0rHLZbOj0DTLoAoGCCqGSM49
            AwEHoUQDQgAEJAbGVZLroCL3/SowPxj9dGlu8yA39iCDMC7WgASoVfi/Bf/2TTWL
            wyXpt0Ixsrxc6Es42MTalHsejHl7gKtzJQ==
            -----END EC PRIVATE KEY-----
            """),
            Map.entry("ec-sec1-no-public.pem", """
            -----BEGIN EC PRIVATE KEY-----
            MDECAQEEINXQWYImzwEqvAzNbmrfHrSXb6L+VENV0rHLZbOj0DTLoAoGCCqGSM49
            AwEH
            -----END EC PRIVATE KEY-----
            """),
            Map.entry("ec-pkcs8-aes256-sha256.pem", """
            -----BEGIN ENCRYPTED PRIVATE KEY-----
            MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAjc++J0gTLzGwICCAAw
            DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEI3WlGge8mLx47j/y+XqHhQEgZDI
            yIL44nfw6lKxKgys97Buje9oj2sJpY4MMgcjBLPkclarzNJSvFo9DFVjRGKUBGBd
            8wIfqdSS/3ns8L3uI9B+/chfOh+W7bLbinQeiO2ev9J1D/GZhlHY/7kU7Y7UkG28
            CP/lqs8Dc/ftAI/kcRS3nrm602xLtXd8hTvJNtVux5196Jtyoa4YzfonOZ5h6fs=
            -----END ENCRYPTED PRIVATE KEY-----
            """),
            Map.entry("ec-pkcs8-aes256-sha1.pem", """
            -----BEGIN ENCRYPTED PRIVATE KEY-----
            MIHeMEkGCSqGSIb3DQEFDTA8MBsGCSqGSIb3DQEFDDAOBAiCaKSmICaiVgICCAAw
            HQYJYIZIAWUDBAEqBBDp386aVmCPy+k7p0HNYiBYBIGQozIiRSELzQUrPbLhAcCd
            r7RL3SMfp1OVejSfrd73Mkuki1wUrg7eHHIOOxB4Gx51oayqpd1xk6uFAkagyhGX
            5MwhVLIzsa+t83pFtsujE/T/PMe082NG3vQHEA3UMwoblMBAouZbTLHo6m8Xzh6X
            /YsTssDFWhYnhiTIe1ENntQk85hasSrvUFXVqcapj/vt
            -----END ENCRYPTED PRIVATE KEY-----
            """),
            Map.entry("ec-pkcs8-scrypt.pem", """
            -----BEGIN ENCRYPTED PRIVATE KEY-----
            MIHkME8GCSqGSIb3DQEFDTBCMCEGCSsGAQQB2kcECzAUBAjZmbN3kwXsUAICQAAC
            AQgCAQEwHQYJYIZIAWUDBAEqBBAWO4bUFW6syBSg1IYERRbnBIGQM5sOqM5LKEVi
            4dUciy2fPjflJYJjT5kqFw7sjXG2T0eMVrw315bAeKzvmkreEafo7TDGBG89zopJ
            7KdRbguc+jiVMvN+P+QSxFVzC65f6upNBy0qSDks1UahmxhQl/8+M0nIWzXHow8s
            7EzU+GA3BnB3NGXnPhASEZJplDqXJzNWmeNblYrYVLxIjDODg3tg
            -----END ENCRYPTED PRIVATE KEY-----
            """),
            Map.entry("ec-pkcs8-3des.pem", """
            -----BEGIN ENCRYPTED PRIVATE KEY-----
            MIGxMBwGCiqGSIb3DQEMAQMwDgQI/VA9+HIjpK8CAggABIGQ1ACUEjhv76300I+n
            UXZAQAkj0hNGqX0CSNeSFJ4UjRGCJEAz0oJDoZwa+fZQPPkpXqTkXsoBHXbSAJJ2
            prJ1f8LOsOKLBacwroqs4Y45lljLTtPfPySP/x/P3+Zo7lQ42Q9RhouKGMIbh15h
            lAfnnr1N6+9P7e4Tpg2ceAmhjN8Jg79i0LZM3rcRUNbrS9qn
            -----END ENCRYPTED PRIVATE KEY-----
            """),
            Map.entry("ec-sec1-aes256.pem", """
            -----BEGIN EC PRIVATE KEY-----
            Proc-Type: 4,ENCRYPTED
            DEK-Info: AES-256-CBC,C9DFF1078B825CF0D4C37724090D5125
            
            3FJ0zMijERddlooS1PHeF/jafJHCiJkox+XLxLzc9etnwN0manBgwqj8f8znKRcr
            x/oOwIm5ujT9aJ4bwzUTnIl/+F/RqYRdf2fKqvAQZAVu8ACm+cfPNQ+ONJXO04We
            gtbJdJ3GreCcExiCPQ0GVzqc8+adBZ3oqabdsrSuO5M=
            -----END EC PRIVATE KEY-----
            """),
            Map.entry("rsa-pkcs1.pem", """
            -----BEGIN RSA PRIVATE KEY-----
            MIIEpAIBAAKCAQEAr59ZFItb8QBpw5lJRFkfMiXNu6lXK3YZUGknAj6R+y/hJdTe
            F3DQbT4++R58gnZUCrzpDRR2KVk0a3dCGmAOiFElt8RH2cxLXcE5N/0/pz+J0Ggb
            Ss4EYB0rsZBxlGaIXgiJQdtiHXFy/Vwn2H0PLkVomLRtAqDoNgSRwXDJC1pYHdN2
            y+4N/0uYi4hCY+oITtu+TtmT5TnCXDH381IQP0rFt8TgW7rdFeK94APKnagmV/dZ
            Ugpdl+BOCmnh8oMP3CM0rf09NXbqKJS5hn8JgtpzkpthSxL7RBCo2ClCbt/Oxvci
            ziNiD9X30MpxbzYzTLxdOUqQZw8drqcPXs9A9wIDAQABAoIBADlnzshmXSFDz05+
            VnKe5xGPRdZnnfS438Fm/bdAGJuQpPmmwQnMeHSc+hyYGH7UitgPs+XwoEcXv4i5
            LMROTbHFRJzy7cGFg8UbmcZxY1MZ88RJo1IqUUfRgSzDWDz33u9Nvv/l5AZXxQyI
            CQY8qq+nRG9V2qQXUJAHolUmtrCcxm6tZF0FaAKN96TZbZblSFDQGIEVKvDz6tbs
            2fGlFsGFSe/S68AGiy4rz/27qVlgv2BfR9gQVfbQRFVpJ7mQLcvBNyYIreUBFm6w
            WLFoj/mu0i/KXPd0xq2+SLUsy7vVs76YxhZVeOsisVyBTh9FMtT/MUUAPLjROwY2
            LVeqnEECgYEA4r89K0wMrS491m5aO6fH6l8P1HyhzJX+8uYOwzmCfc7RRmgnJk8t
            8WecBpu+AGnQuaPJXqsy0zBD0JmGVRLGtS3ayBIsrZFSX2YO/XeTcevv7L4x1NVB
            Lp/yML0jNrc8JELDJ7av8P4YYsyZXl+9SGtCfcDaJCLY/Ysz/OUscdECgYEAxkee
            4wA6zVmZN1xiXQ9qqjVj7gN7J3v8Q8zB2SHvBUA399pHC0zKvLs38X5/sC+oYQ0C
            sUK4TVlEpDATjZs2tZmGaWo5Dj8ssupnPqeI8ATfoSk0jUZnWB6AuCpyCsD3ola8
            4CqNhrdOGny9GdditmqeJqTytXALukfP3CB8sEcCgYAdygYdRBZ+Qg75tvG/2KEZ
            F3ga8GzJVgNyoeralxmfsaYo29IY5Foi1vvWmmtx3nT/jpcMCu3YdQTTyPevAZJ9
            hxKxKkIYY3kw81WQ0z7Zvqd8sNgXIBU6LOVCpfaUX6pVEThWZVfkD13gzQRxM57I
            ft7zany+Np3PYZRo6yrVoQKBgQCityfGteuLlZnM+r2mDP7Fy6bELoskbfUpVqFG
            JTjXoEnN1o0y0sQVebaBMgRre9C8REcPXOeOYlGYQ/Pn45ZUFTdeztMfw+xUr1Qm
            8KnJ/tXelcgQn9QzVmTfvcV02cLesDuz4nfeNBOeXPt6d20Esh4zLG4ZQ2f8aO5F
            gUuSBQKBgQC5B8xmu44UVJFVNdZdi1SL8rq8236zLexb3O1gUqHCt4TEiaTBntCF
            QaWCKnksIkU/xuAxoAkHmBOjEJmTIcBFs23dEuX1nsi11lbH0erGCbYpdfsYI/ts
            eVSgc5pHao0oEItVDl8slvChIUFboQ07D+BdoiTDGSe59qMLR0zu4A==
            -----END RSA PRIVATE KEY-----
            """),
            Map.entry("rsa-pkcs1-aes256.pem", """
            -----BEGIN RSA PRIVATE KEY-----
            Proc-Type: 4,ENCRYPTED
            DEK-Info: AES-256-CBC,B69B4D417A44A4A20121384829466949
            
            +lSq0OyxHQu6xFT+uo44eAnWkiJBwD0TLeORZmWlh8JcDyCcIQypITxnuyM3PzoB
            vFbsHvZkFLeiO7rdRMavk3EN5PHCZjR5qcJSDkBDzbAJ/FsQAwB7QvdjfARJnLUF
            Xcgw276rBfeoBBQTY+YS4c3/r3/PXL6kfalcDOPdNyt/NBw/MT0kAxAB6j/b5lmH
            p2PGL3sNkCkRyIpayRYcgZ9A1mV9MmZpIAyg4VJBAvPD4N6wMX/IEyCPogv1/lkN
            NRjgyrUBCqBvX6PG4a9HdpUo9iu8mheYXdt4vnz39SldHpP7IDRQd4dsuHFAhN6x
            OKz78J1w8g9vDogqb+Lm3VEoTEZxaaPljADcPzRexyx0uRfl5Wqq+NXaf6J+7xgC
            iif6JpyZxnmJ2WPsu3PjVpTsHvB80ms0gmZm5JbFVDzYPBWVSoUxQIlkYjf9kjdZ
            4Fx/WR5Dm7yKy98qWLY57qtdFKJE3lU5bdmtjeQC7zm/3jH/kWwlycjgjaM1Gq8G
            b5aK4DfK5fCAVFg774KXF7NrPyL5OJ9EuG2d5qKDwunWwYvDfdVNLH5CupRea9ZS
            MPOLjQSrWbcVvG/TTctks2kRnknDzKax1wImcFkv1ekPbZ5dFH28JmfJyM/gwR0G
            U7hcB2COAvIYxqZeXttE9Q231A5r4xU4YyiK60sf3pn/P3IWJHTPQCVXND6eNvqg
            EzptT4GHR/bXLy34OkIg8dxTGDHedAntG6wPong/1UWD7tNYtlaUyua29nXsvflb
            jQR1y1snVUAiawZ4mT5mL9YwC8vfdsYXXulXsAP6q0kPvNE/8P7Zniyhc5s9/mzy
            n0fSePOxjWoD4fC5dfYbMHlZpFvcfqd+BQnD1sabFV9ZFeDG3GJYQ+Di4BihoIzT
            PqPaFPO/3SleZB69oWVKeqDI/fbxcjVl3PHc+dXYC3ph+o1su/8Jt0pEvkGXQV+s
            iQzNo5E8GFlK1gYurJVQnBX8yNCOteEcUFv6IG1y2KA84+ayzgZLmHWwoIZH4W+F
            CMsh/OzShPNoFAiYKaLobvJE9w2Te3lZ9ra5DDQH1FzknkbPc/MaXX2s2Z4+FYvM
            FX2WPr4QXBVlebkX5fxLie1oI/qqR9mBVKdq208WBcNDLCfPIT7S9CG/ICspBTX5
            rmWU1MJuH78ZRNX/vH7106VhnQ4IrvcrjnTMm4x50dwhB1EndS/bO8OQpDMiWfyc
            HJmBkSLn0m1W9n6mmiD/nCtRljgndJETuODBrYE5aFgRGjm2kz/1MyfjEbm0DXsi
            sbQJDKmO584K5VNN9hvMpTYSuKhU7syoFG+b13IKPzUk1PcHl4QZ6/pz0ClBvozH
            o28yV3lG3KKoYpGMj+s38BxoQ0v9uvth35Cu9laujPpDm/IzbM481t6PHymEzSpi
            r+KBVOFrIQXnqmIcGmZ4Bet52c0cfYBpT9QBSlLrR0NnQ6HHf3Qlngf0ldvbXKpJ
            pUpfsoz2SzHteJc0IxHduJ10bqiV005uRb0QC440ae1U2h2O9Dz3kO9FFO8szR/0
            SSLLIxtmEgw2/yDf4GWajd+xF3Ho6qBDSuh2g3cDTbxAQd51ETUpMZB3P8LfggPQ
            -----END RSA PRIVATE KEY-----
            """)
    );
}
